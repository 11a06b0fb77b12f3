<?cs # Read receipt (the human-readable part of an RFC 8098 report) to the
     original sender.  Variables: from, to, mailbox, subject, message_id,
     read (UTC). ?>From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: Read: <?cs var:subject ?>

Your message "<?cs var:subject ?>" to <?cs var:mailbox ?> was displayed
on <?cs var:read ?>.

This receipt says the message was shown on the recipient's screen; it
does not say that it was read or understood.
