<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<?cs include:"certs_search.cs" ?>
<form method="post" action="<?cs var:Page.base ?><?cs var:List.path ?>/action">
<?cs call:csrf() ?>
<?cs include:"certs_table.cs" ?>
<p class="actions"><?cs if:List.path == "/certs" ?><button type="submit" name="op" value="whitelist">whitelist selected</button>
<button type="submit" name="op" value="unwhitelist">un-whitelist selected</button><?cs /if ?>
<button type="submit" name="op" value="delete" class="danger">delete selected</button></p>
</form>
<?cs include:"certs_paging.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?><?cs var:List.path ?>/import" enctype="multipart/form-data">
<?cs call:csrf() ?>
<h2>Import</h2>
<p><label for="file">Certificate file (PEM, DER, PKCS#7 bundle or PKCS#12)</label>
<input type="file" id="file" name="file" required>
<?cs call:field_error("file") ?></p>
<p><label for="password">PKCS#12 password (only for a PKCS#12 file)</label>
<input type="password" id="password" name="password" autocomplete="off"></p>
<?cs if:List.path == "/certs" ?><p><label for="trust">Trust</label>
<select id="trust" name="trust"><option value="">as it chains (no change)</option><option value="whitelist">whitelist it</option></select></p><?cs /if ?>
<p><button type="submit">import</button></p>
</form>
<?cs include:"footer.cs" ?>
