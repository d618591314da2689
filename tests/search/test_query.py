"""The query language on its own (no database): the grammar read with another word key, and its errors."""

import pytest

from search.query import And, Not, Or, Phrase, QueryError, Term, parse_ast, parse_query, to_fts5, to_tsquery


def test_the_grammar_with_words_as_typed():
    ast = parse_ast('(Dijaspora OR "Srbi u regionu") -Beč pomo*', key=str.lower)
    assert ast == And((Or((Term("dijaspora"), Phrase(("srbi", "u", "regionu")))), Not(Term("beč")),
                       Term("pomo", True)))
    assert to_fts5(ast) == '((("dijaspora" OR "srbi u regionu") AND "pomo"*) NOT "beč")'
    assert to_tsquery(ast) == "(('dijaspora' | ('srbi' <-> 'u' <-> 'regionu')) & !'beč' & 'pomo':*)"


def test_a_malformed_query_is_an_error_for_the_grammar_and_plain_words_for_users():
    with pytest.raises(QueryError, match="unclosed"):
        parse_ast('"Srbi u', key=str.lower)
    lenient = parse_query('"Srbi u', expand=False)
    assert lenient.ast is not None and "plain words" in lenient.notice


def test_the_search_key_is_the_default_reading():
    assert parse_query("Srbima", expand=False).ast == parse_ast("Srbima", key=lambda w: parse_query(
        w, expand=False).ast.key)
