<?cs # Over-quota notice, rendered once for the sender (role "sender") and
     once for the postmaster (role "postmaster").  Variables: from, to,
     role, mailbox, sender, subject, postmaster. ?>From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: Mailbox full: <?cs var:mailbox ?>

<?cs if:role == "sender" ?>Hello,

your message "<?cs var:subject ?>" could not be stored because the
mailbox of <?cs var:mailbox ?> on the webmail server is full.
The recipient has to delete messages first; please try again later.
<?cs else ?>The mailbox <?cs var:mailbox ?> is over its quota.

A message from <?cs var:sender ?> with subject
"<?cs var:subject ?>" was not stored.
<?cs /if ?>
