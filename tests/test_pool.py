"""How the local pool hands out notebooks: a worker keeps to one area until that area's topics are done."""

from __future__ import annotations

from collections import namedtuple

from nbutils.runner.pool import AreaQueue

Place = namedtuple("Place", "code")  # a stand-in for nbutils.areas.Area: the queue reads only its code


def _todo(*codes: str, topics=("ethnicity", "housing", "overview")) -> list[tuple]:
    return [(Place(code), topic, "out", 900, None) for code in codes for topic in topics]


def _names(tasks) -> list[str]:
    return [f"{area.code}/{topic}" for area, topic, *_ in tasks]


def test_each_worker_runs_all_of_one_area_before_the_next():
    queue = AreaQueue(_todo("A", "B", "C", "D"))
    first, second = object(), object()
    order = {first: [], second: []}
    turn = [first, second]
    while len(queue):
        worker = turn[0]
        order[worker].append(queue.next_for(worker))
        turn.reverse()  # the two workers finish in turn, as two equally fast workers would
    assert _names(order[first]) == ["A/ethnicity", "A/housing", "A/overview", "C/ethnicity", "C/housing",
                                    "C/overview"]
    assert _names(order[second]) == ["B/ethnicity", "B/housing", "B/overview", "D/ethnicity", "D/housing",
                                     "D/overview"]


def test_an_idle_worker_at_the_end_takes_the_busiest_areas_last_notebook():
    queue = AreaQueue(_todo("A", "B", topics=("ethnicity", "housing", "nutrition", "overview")))
    slow, fast = object(), object()
    assert _names([queue.next_for(slow)]) == ["A/ethnicity"]
    taken = [queue.next_for(fast) for _ in range(4)]  # all of B
    assert _names(taken) == ["B/ethnicity", "B/housing", "B/nutrition", "B/overview"]
    assert _names([queue.next_for(fast)]) == ["A/overview"]  # nothing new left: help the slow worker from its end
    assert _names([queue.next_for(slow), queue.next_for(slow)]) == ["A/housing", "A/nutrition"]
    assert len(queue) == 0


def test_what_a_lost_worker_held_is_handed_out_first_and_nothing_is_lost():
    queue = AreaQueue(_todo("A", "B"))
    lost, other = object(), object()
    held = queue.next_for(lost)  # A/ethnicity, running when the worker died (reported as failed, not rerun)
    queue.release(lost)
    replacement = object()
    rest = [queue.next_for(replacement) for _ in range(2)] + [queue.next_for(other) for _ in range(3)]
    assert _names([held]) == ["A/ethnicity"]
    assert _names(rest) == ["A/housing", "A/overview", "B/ethnicity", "B/housing", "B/overview"]
    assert len(queue) == 0


def test_a_task_a_worker_could_not_take_goes_back_first_in_line():
    queue = AreaQueue(_todo("A", "B"))
    dead, replacement = object(), object()
    task = queue.next_for(dead)
    queue.release(dead, task)  # its pipe was closed before the task reached it
    assert _names([queue.next_for(replacement) for _ in range(3)]) == ["A/ethnicity", "A/housing", "A/overview"]
    assert len(queue) == 3
