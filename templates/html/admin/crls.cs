<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form method="post" action="<?cs var:Page.base ?>/crls/delete">
<?cs call:csrf() ?>
<div class="table-wrap"><table class="crls">
<thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Issuer</th><th scope="col">This update</th><th scope="col">Next update</th><th scope="col" class="num">Revoked</th><th scope="col">Fingerprint</th></tr></thead>
<tbody>
<?cs each:c = Crls ?><tr>
<td><input type="checkbox" name="sel" value="<?cs var:c.id ?>" aria-label="select CRL <?cs var:c.id ?>"></td>
<td><?cs var:c.issuer ?></td><td><?cs var:c.this_update ?></td>
<td><?cs var:c.next_update ?><?cs if:c.overdue == 1 ?> <span class="status-expired">overdue</span><?cs /if ?></td>
<td class="num"><?cs var:c.revoked ?></td><td class="mono"><?cs var:c.fingerprint ?></td>
</tr>
<?cs /each ?></tbody>
</table></div>
<?cs if:subcount(Crls) == 0 ?><p>No CRL.</p><?cs else ?><p><button type="submit" class="danger">delete selected</button></p><?cs /if ?>
</form>
<form class="card" method="post" action="<?cs var:Page.base ?>/crls/import" enctype="multipart/form-data">
<?cs call:csrf() ?>
<h2>Import a CRL</h2>
<p><label for="file">CRL file (PEM or DER)</label>
<input type="file" id="file" name="file" required>
<?cs call:field_error("file") ?></p>
<p><button type="submit">import</button></p>
</form>
<?cs include:"footer.cs" ?>
