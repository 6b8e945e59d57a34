from lab.base.table import format_table


def test_columns_pad_to_widest_cell_and_numbers_align_right():
    text = format_table(["name", "n"], [["a", "1"], ["longer", "12345"]], right_aligned={1})
    assert text.splitlines() == [
        "name        n",
        "------  -----",
        "a           1",
        "longer  12345",
    ]


def test_note_row_overflows_without_widening_its_column():
    text = format_table(["name", "result", "n"], [["a", "PASS", "7"], ["b", "skipped (long reason)"]],
                        right_aligned={2})
    assert text.splitlines() == [
        "name  result  n",
        "----  ------  -",
        "a     PASS    7",
        "b     skipped (long reason)",
    ]
