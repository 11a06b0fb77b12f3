<?cs # New-message notification for a user who has signed up.
     Variables: from, to, address, link (login page), unseen (count). ?>From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: New secure message

Hello,

a new secure message for <?cs var:address ?> has arrived.
Unread messages in your mailbox: <?cs var:unseen ?>

Log in to read it:

<?cs var:link ?>
