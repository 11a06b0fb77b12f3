<?cs # Sign-up invitation: sent when mail arrives for an address without a
     password.  Variables: from, to, address, link, expires (UTC). ?>From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: A secure message is waiting for you

Hello,

a secure message for <?cs var:address ?> is waiting for you on the
webmail server.  To read it, choose a password for your mailbox:

<?cs var:link ?>

The link works once and is valid until <?cs var:expires ?>.
If a newer invitation reaches you, use that one.

If you did not expect this message you can ignore it.
