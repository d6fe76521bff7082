"""An e-mail backend whose sends another process can count and hold up.

Each message is written to TEST_MAILBOX_DIR as <random>.eml. While the file
TEST_MAILBOX_DIR/hold exists a send waits, either before the message is delivered
(TEST_MAILBOX_HOLD=before: a mail server still receiving it) or after (=after: the server has
accepted it, the worker has not yet heard back). A test kills the worker during the wait.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def _wait_while_held(mailbox: Path) -> None:
    while (mailbox / "hold").exists():
        time.sleep(0.05)


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        mailbox = Path(os.environ["TEST_MAILBOX_DIR"])
        hold = os.environ.get("TEST_MAILBOX_HOLD", "")
        for message in email_messages:
            name = uuid.uuid4().hex
            (mailbox / f"{name}.started").write_text(message.extra_headers.get("Message-ID", ""))
            if hold == "before":
                _wait_while_held(mailbox)
            (mailbox / f"{name}.eml").write_bytes(message.message().as_bytes())
            if hold == "after":
                _wait_while_held(mailbox)
        return len(email_messages)
