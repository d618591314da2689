"""``python -m sampleweb serve --port 8700 [--fallbacks] --write-sources FILE``: run the sample web until SIGTERM/Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from sampleweb.server import SampleWeb


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sampleweb", description="The bundled sample news web.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve all outlets in the foreground until SIGTERM or Ctrl-C")
    serve.add_argument("--port", type=int, default=0, help="shared port of all outlets (0: pick a free one)")
    serve.add_argument("--host-prefix", default="127.0.0.", help="loopback prefix; outlets add their last octet")
    serve.add_argument("--write-sources", metavar="FILE", help="write a sources file for the live addresses")
    serve.add_argument("--fallbacks", action="store_true",
                       help="serve the hard outlets of fallbacks.yaml and the Google News stand-in instead")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the chosen command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    if args.fallbacks:
        from sampleweb.fallbacks import FallbackWeb

        web: SampleWeb = FallbackWeb(port=args.port, host_prefix=args.host_prefix).start()
    else:
        web = SampleWeb(port=args.port, host_prefix=args.host_prefix).start()
    try:
        sources = web.write_sources(args.write_sources) if args.write_sources else None
        first, last = (web.address(o) for o in (web.outlets[0], web.outlets[-1]))
        print(f"sampleweb ready: {len(web.outlets)} outlets, {len(web.articles)} articles on "
              f"{first}..{last} port {web.port}" + (f", sources {sources}" if sources else "")
              + (f", ODJEK_GOOGLE_NEWS_URL={web.google_news_url}" if args.fallbacks else ""), flush=True)
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
