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


def test_colour_escapes_take_no_width():
    green = "\x1b[32m+1.0%\x1b[0m"
    coloured = format_table(["change", "n"], [[green, "1"], ["-12.5%", "2"]], right_aligned={0})
    plain = format_table(["change", "n"], [["+1.0%", "1"], ["-12.5%", "2"]], right_aligned={0})
    assert coloured.replace("\x1b[32m", "").replace("\x1b[0m", "") == plain
    assert coloured.splitlines()[2] == f" {green}  1"
