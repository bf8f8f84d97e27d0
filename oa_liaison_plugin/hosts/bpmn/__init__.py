"""The BPMN host: a Python OA whose 发文/收文/会议 processes run in SpiffWorkflow and call oa-liaison's hooks.

Install with ``pip install 'oa-liaison[bpmn]'``. Copy this folder to attach oa-liaison to your own engine.
"""
from .host import BpmnHost

__all__ = ["BpmnHost"]
