"""SpiffWorkflow plumbing: load the shipped processes, serialise instances, run until people must act."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Callable

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer, DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

PROCESSES = ("fawen", "shouwen", "huiyi", "yuejian")


@lru_cache(maxsize=None)
def spec(process: str):
    """The parsed process (files in processes/, drawn by tools/build_bpmn.py)."""
    if process not in PROCESSES:
        raise KeyError(f"未知流程：{process}")
    parser = BpmnParser()
    with resources.as_file(resources.files(__package__).joinpath("processes", f"{process}.bpmn")) as path:
        parser.add_bpmn_file(str(path))
    return parser.get_spec(process)


@lru_cache(maxsize=None)
def serializer() -> BpmnWorkflowSerializer:
    # Service tasks are the adapter's work (an "external task"): the default registry lacks them.
    config = dict(DEFAULT_CONFIG)
    config[ServiceTask] = BpmnTaskSpecConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def new(process: str, data: dict) -> BpmnWorkflow:
    wf = BpmnWorkflow(spec(process))
    wf.data.update(data)
    start = wf.get_tasks(state=TaskState.READY)
    for task in start:
        task.data.update(data)
    return wf


def dumps(wf: BpmnWorkflow) -> str:
    return serializer().serialize_json(wf)


def loads(state: str) -> BpmnWorkflow:
    return serializer().deserialize_json(state)


def advance(wf: BpmnWorkflow, perform: Callable) -> None:
    """Run engine steps; each service task the engine reaches is performed (``perform(task)``) and completed;
    a timer whose time has come fires."""
    wf.do_engine_steps()
    while True:
        wf.refresh_timers()   # refresh_waiting_tasks is deprecated in SpiffWorkflow 3
        wf.do_engine_steps()
        started = [t for t in wf.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, ServiceTask)]
        if not started:
            return
        for task in started:
            perform(task)
            task.complete()
        wf.do_engine_steps()


def user_tasks(wf: BpmnWorkflow) -> list:
    """The steps waiting for a person."""
    return wf.get_tasks(state=TaskState.READY, manual=True)


def waiting_for(wf: BpmnWorkflow, event_id: str) -> bool:
    """Whether the instance waits at a catching step (an event or an event-based gateway, by its BPMN id)."""
    return any(t.task_spec.bpmn_id == event_id for t in wf.get_tasks(state=TaskState.WAITING))


def send_message(wf: BpmnWorkflow, name: str, payload: dict | None = None) -> None:
    """Deliver a BPMN message (by its name) to the instance waiting for it."""
    wf.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload or {}))
