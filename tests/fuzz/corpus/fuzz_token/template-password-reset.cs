<?cs # Password reset link.  Variables: from, to, address, link, expires. ?>From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: Reset your webmail password

Hello,

someone (hopefully you) asked to reset the password of the webmail
mailbox <?cs var:address ?>.  To choose a new password, open:

<?cs var:link ?>

The link works once and is valid until <?cs var:expires ?>.
If you did not ask for this, ignore this message: your password stays.
