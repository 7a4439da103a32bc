"""A real SMTP server on localhost that records what it receives (aiosmtpd).

Used by the delivery tests, the chaos test and the benchmark. It can be told to refuse
the next messages at the end of DATA (temporarily or for good) or to refuse recipients.
"""

from __future__ import annotations

import asyncio
import email
import logging
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RecordingHandler:
    messages: list[email.message.Message] = field(default_factory=list)
    refuse_next_data: list[str] = field(default_factory=list)
    refused_recipients: set[str] = field(default_factory=set)
    # Seconds to wait before answering RCPT and after taking a message: a slower server
    # keeps a worker longer in the middle of a send, where the chaos test kills it.
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if address in self.refused_recipients:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Like a real mail server, it takes responsibility for the message as soon as it
        # has read the final dot (Postfix writes its queue file), then answers.
        with self.lock:
            if self.refuse_next_data:
                return self.refuse_next_data.pop(0)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Accepted"

    def notification_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["X-Entraide-Notification"]) for m in self.messages)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpSink:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        # aiosmtpd logs every command at INFO: thousands of lines, and a slower server.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def email_settings(self) -> dict[str, Any]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
