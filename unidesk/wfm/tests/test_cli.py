"""`unidesk staffing`: JSON lines in and out, and the human tables; no database."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

CCH = {
    "volume": 100,
    "interval_s": 1800,
    "aht_s": 180,
    "target_s": 20,
    "sl_target": 0.8,
    "max_occupancy": 0.85,
    "shrinkage": 0.3,
}


def calc(*scenarios: object) -> list[dict[str, object]]:
    lines = "\n".join(s if isinstance(s, str) else json.dumps(s) for s in scenarios)
    out = io.StringIO()
    call_command("staffing", "calc", stdin=io.StringIO(lines + "\n"), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_answers_each_json_line_with_one_result_line() -> None:
    results = calc(
        {"id": "voice-9:00", "model": "erlang_c", **CCH},
        {"model": "erlang_a", **CCH, "patience_s": 300},
        {
            "model": "chat_slots",
            "volume": 100,
            "interval_s": 1800,
            "chat_aht_s": 600,
            "concurrency": 3,
            "target_s": 60,
            "sl_target": 0.8,
        },
        {
            "model": "email_workload",
            "volume": 21,
            "interval_s": 3600,
            "aht_s": 600,
            "max_occupancy": 0.7,
        },
    )
    assert [r["model"] for r in results] == ["erlang_c", "erlang_a", "chat_slots", "email_workload"]
    voice, patient, chat, mail = results
    assert voice["id"] == "voice-9:00"
    assert (voice["raw_agents"], voice["scheduled_agents"], voice["stable"]) == (14, 20, True)
    assert set(voice) == {
        "id",
        "model",
        "raw_agents",
        "scheduled_agents",
        "offered_load_erlangs",
        "p_wait",
        "sl",
        "asa_s",
        "occupancy",
        "stable",
    }
    assert (patient["raw_agents"], patient["scheduled_agents"]) == (13, 19)
    for key in (
        "sl_offered",
        "sl_answered",
        "sl_wait_le_t",
        "sl_excl_short_ab",
        "p_abandon",
        "asa_served_s",
        "mean_wait_all_s",
    ):
        assert key in patient
    assert chat["slots_required"] == 39 and chat["raw_agents"] == 13
    assert mail["raw_agents"] == 5


def test_it_keeps_going_after_a_bad_line_and_names_the_problem() -> None:
    results = calc(
        "not json",
        {"model": "erlang_c", **CCH, "sl_target": 1.0},
        {"model": "erlang_c", **CCH, "patience_s": 300},
        {"model": "erlang_x"},
        {"model": "erlang_c", **CCH},
    )
    assert "invalid JSON" in results[0]["error"]
    assert "100%" in results[1]["error"]
    assert "patience_s does not apply" in results[2]["error"]
    assert "model must be one of" in results[3]["error"]
    assert results[4]["raw_agents"] == 14 and "error" not in results[4]


def test_it_writes_infinity_as_the_string_inf_and_null_for_unfinished_backlogs() -> None:
    under, backlog, idle = calc(
        {
            "model": "erlang_c",
            "volume": 100,
            "interval_s": 1800,
            "aht_s": 180,
            "agents": 9,
            "target_s": 20,
        },
        {
            "model": "email_fifo",
            "arrivals": [10, 10],
            "staff": [1, 1],
            "interval_s": 3600,
            "aht_s": 600,
        },
        {"model": "erlang_c", **CCH, "volume": 0},
    )
    assert (under["asa_s"], under["sl"], under["stable"]) == ("inf", 0.0, False)
    assert backlog["worst_response_s"] is None
    assert backlog["backlog_items_at_interval_end"] == [4.0, 8.0]
    assert (idle["raw_agents"], idle["scheduled_agents"]) == (0, 0)


def test_it_prints_a_table_around_the_recommendation() -> None:
    out = io.StringIO()
    call_command(
        "staffing",
        "erlang-c",
        "--volume",
        "100",
        "--interval-s",
        "1800",
        "--aht-s",
        "180",
        "--target-s",
        "20",
        "--sl-target",
        "0.8",
        "--max-occupancy",
        "0.85",
        "--shrinkage",
        "0.3",
        stdout=out,
    )
    text = out.getvalue()
    assert "agents (scheduled)  20" in text
    assert any(
        line.split()[:2] == ["14", "0.8884"] and "<- required" in line for line in text.splitlines()
    )


def test_it_prints_abandonment_beside_service_level_for_erlang_a() -> None:
    out = io.StringIO()
    call_command(
        "staffing",
        "erlang-a",
        "--volume",
        "100",
        "--aht-s",
        "180",
        "--target-s",
        "20",
        "--sl-target",
        "0.8",
        "--patience-s",
        "300",
        stdout=out,
    )
    text = out.getvalue()
    assert "P(abandon)" in text and "agents (raw)        13" in text


def test_it_prints_chat_and_email_tables() -> None:
    out = io.StringIO()
    call_command(
        "staffing",
        "chat",
        "--model",
        "divide",
        "--factor-table",
        "cch",
        "--concurrency",
        "3",
        "--volume",
        "100",
        "--chat-aht-s",
        "600",
        "--target-s",
        "60",
        "--sl-target",
        "0.8",
        stdout=out,
    )
    assert "effective AHT       240.0 s" in out.getvalue()
    out = io.StringIO()
    call_command(
        "staffing", "email", "--arrivals", "12,0", "--staff", "1,1", "--aht-s", "600", stdout=out
    )
    assert "worst response      4200 s" in out.getvalue()


def test_it_reports_invalid_human_input_as_a_command_error() -> None:
    with pytest.raises(CommandError, match="100%"):
        call_command(
            "staffing",
            "erlang-c",
            "--volume",
            "100",
            "--aht-s",
            "180",
            "--target-s",
            "20",
            "--sl-target",
            "1",
            stdout=io.StringIO(),
        )
