"""Comparisons over table rows (`table_answers`): rows parsed back from their passages, the column and rows a
question compares, and the winner by its numbers."""

from bert_qa_reasoning.table_answers import compare_rows, parse_row, tables_of

ROWS = [
    "State / Territory: Illinois; Permit: 95,118; Handgun: 17,283; Long Gun: 11,040; Totals: 129,861.",
    "State / Territory: Indiana; Permit: 29,440; Handgun: 47,031; Long Gun: 37,402; Totals: 130,333.",
    "State / Territory: Virginia; Permit: 622; Handgun: 24,052; Long Gun: 22,348; Totals: 50,051.",
    "State / Territory: West Virginia; Permit: 2,217; Handgun: 6,953; Long Gun: 11,561; Totals: 21,788.",
    "State / Territory: Virgin Islands; Permit: 0; Handgun: 66; Long Gun: 20; Totals: 109.",
    "State / Territory: Totals; Permit: 127,397; Handgun: 95,385; Long Gun: 82,371; Totals: 332,142.",
]


def table():
    passages = [{"text": t, "source": "nics.pdf", "page": 1} for t in ROWS]
    passages.insert(
        2, {"text": "Some states may reflect lower than expected numbers.", "source": "nics.pdf", "page": 1}
    )
    tables, table_of = tables_of(passages)
    assert len(tables) == 1 and 2 not in table_of and set(table_of) == {0, 1, 3, 4, 5, 6}
    return tables[0], passages


def test_rows_parse_back_to_label_and_numbers():
    header, label, start, values = parse_row(ROWS[3])
    assert (header, label, ROWS[3][start : start + len(label)]) == (
        "State / Territory",
        "West Virginia",
        "West Virginia",
    )
    assert values == {"Permit": 2217.0, "Handgun": 6953.0, "Long Gun": 11561.0, "Totals": 21788.0}
    header, label, start, values = parse_row(
        "Extra Home Loan: Viridian; column 1: 6.53%; column 2: –; column 3: -1,203.5"
    )
    assert label == "Viridian" and values == {"column 1": 6.53, "column 3": -1203.5}
    assert parse_row("Marie Curie discovered radium; she was born in Warsaw: 1867.") is None  # prose
    assert parse_row("Totals: 1; Permit: 2") is None  # one number is not a row of a table
    assert parse_row("Label; A: 1; B: 2")[:2] == ("", "Label")


def test_a_superlative_compares_every_row_but_the_sums():
    t, _ = table()
    found = compare_rows("Which state had the highest total number of checks?", t)
    assert (found["row"].label, found["column"], found["op"]) == (
        "Indiana",
        "Totals",
        "max",
    )  # not the Totals row
    assert compare_rows("Which state logged the fewest handgun checks?", t)["row"].label == "Virgin Islands"
    # the column with the most words the question uses: "Long Gun", not a shorter one
    assert compare_rows("Which state had the most long gun checks?", t)["column"] == "Long Gun"


def test_a_comparative_compares_the_rows_it_names():
    t, _ = table()
    found = compare_rows("Who logged more total checks, Illinois or Indiana?", t)
    assert found["row"].label == "Indiana" and [r.label for r, _ in found["ranked"]] == [
        "Indiana",
        "Illinois",
    ]
    found = compare_rows("Between Virginia and West Virginia, which had fewer permit checks?", t)
    assert found["row"].label == "Virginia"  # "West Virginia" is one row, not Virginia named twice
    found = compare_rows("Which had more handgun checks, Virginia or West Virginia?", t)
    assert found["row"].label == "Virginia" and found["ranked"][1][1] == 6953.0


def test_other_questions_are_left_to_the_reader():
    t, _ = table()
    for question in (
        "How many permit checks did Kentucky record?",  # no comparison
        "Did Illinois log more checks?",  # a yes/no question, one row named
        "Which state had more checks?",  # a comparative naming no two rows
        "Which state had the highest approval rating?",  # no such column
        "Which state had more permits but fewer handgun checks, Illinois or Indiana?",  # both ways
    ):
        assert compare_rows(question, t) is None, question


def test_a_tie_has_no_answer():
    rows = ["Region: A; X: 5; Y: 1", "Region: B; X: 5; Y: 2", "Region: C; X: 1; Y: 3"]
    tables, _ = tables_of([{"text": r} for r in rows])
    assert compare_rows("Which region had the highest X?", tables[0]) is None
    assert compare_rows("Which region had the highest Y?", tables[0])["row"].label == "C"


def test_what_is_asked_must_be_a_row_and_the_first_one():
    t, _ = table()
    assert compare_rows("What state had the highest total?", t)["row"].label == "Indiana"
    for question in (
        "What was the highest total?",  # asks for a value, not a row: no "state"
        "What is the most common handgun permit?",  # prose that happens to name a column
        "Which state had the second highest total?",  # a rank other than the first
        "Which state had more permits than Illinois and Indiana combined?",  # a comparison with "than"
        "Which state had the highest total excluding Indiana?",
        "Which state had the most handgun permit checks?",  # two columns fit as well: Handgun or Permit
    ):
        assert compare_rows(question, t) is None, question
    # a sum row is never compared, named or not
    assert compare_rows("Who logged more in total, Illinois or Indiana?", t)["row"].label == "Indiana"


def test_a_row_with_a_cell_that_is_no_number_stays_in_its_table():
    rows = [*ROWS, "State / Territory: Ohio; Permit: 900,000; Handgun: –; Long Gun: 5; Totals: 999,999."]
    tables, _ = tables_of([{"text": r, "source": "nics.pdf", "page": 1} for r in rows])
    assert len(tables) == 1
    assert compare_rows("Which state had the highest total?", tables[0])["row"].label == "Ohio"
    assert compare_rows("Which state had the most handgun checks?", tables[0])["row"].label == "Indiana"
    # "Total U.S." is a sum row too
    rows = [*ROWS, "State / Territory: Total U.S.; Permit: 1; Handgun: 1; Long Gun: 1; Totals: 9,999,999."]
    tables, _ = tables_of([{"text": r} for r in rows])
    assert compare_rows("Which state had the highest total?", tables[0])["row"].label == "Indiana"
