<?cs # Report to the postmaster about a tunnel mail that could not be
     handled; the mail itself is attached (tunnel.eml).  Variables: from,
     to, reason, size (bytes). ?>From: <?cs var:from ?>
To: <?cs var:to ?>
Subject: Webmail: tunnel mail not delivered

The webmail box received a mail it could not deliver.

Reason: <?cs var:reason ?>
Size:   <?cs var:size ?> bytes

The complete mail, byte for byte, is attached as tunnel.eml.
