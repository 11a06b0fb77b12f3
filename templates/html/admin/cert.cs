<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<?cs each:c = Certs ?>
<dl class="card details">
<dt>Subject</dt><dd id="subject"><?cs var:c.subject ?></dd>
<dt>Issuer</dt><dd><?cs var:c.issuer ?></dd>
<dt>Email</dt><dd><?cs var:c.email ?></dd>
<dt>Serial</dt><dd class="mono"><?cs var:c.serial ?></dd>
<dt>Valid</dt><dd><?cs var:c.not_before ?> to <?cs var:c.not_after ?></dd>
<dt>Status</dt><dd><span class="status status-<?cs var:c.status ?>" id="status"><?cs var:c.status ?></span>: <span id="why"><?cs var:c.why ?></span></dd>
<dt>SHA-256 fingerprint</dt><dd class="mono"><?cs var:c.fingerprint ?></dd>
<dt>Flags</dt><dd><?cs if:c.root == 1 ?>trusted root <?cs /if ?><?cs if:c.whitelisted == 1 ?>whitelisted <?cs /if ?><?cs if:c.key == 1 ?>has a private key<?cs /if ?></dd>
</dl>
<p><a class="button" href="<?cs var:Page.base ?>/certs/<?cs var:c.id ?>/pem">download PEM</a>
<a class="button secondary" href="<?cs var:Page.base ?>/certs/<?cs var:c.id ?>/der">download DER</a></p>
<?cs if:c.key == 1 ?><form class="card" method="post" action="<?cs var:Page.base ?>/certs/<?cs var:c.id ?>/p12">
<?cs call:csrf() ?>
<h2>Download as PKCS#12</h2>
<p><label for="password">Password for the PKCS#12 file</label>
<input type="password" id="password" name="password" autocomplete="new-password" required>
<?cs call:field_error("password") ?></p>
<p><button type="submit">download PKCS#12</button></p>
</form><?cs /if ?>
<?cs /each ?>
<?cs include:"footer.cs" ?>
