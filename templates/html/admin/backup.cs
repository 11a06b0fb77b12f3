<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<div class="grid">
<form class="card" method="post" action="<?cs var:Page.base ?>/backup/create" aria-labelledby="create-h">
<h2 id="create-h">Backup</h2>
<?cs call:csrf() ?>
<p><label for="b-password">Password</label><input id="b-password" name="password" type="password" autocomplete="new-password" placeholder="password for backup"></p>
<fieldset><legend>Backup location</legend>
<label><input type="radio" name="location" value="local" id="loc-local" checked> Local</label>
<label><input type="radio" name="location" value="remote" id="loc-remote"> Remote</label>
</fieldset>
<p><button type="submit" id="backup">Backup</button></p>
</form>
<form class="card" method="post" enctype="multipart/form-data" action="<?cs var:Page.base ?>/backup/restore" aria-labelledby="restore-h">
<h2 id="restore-h">Restore</h2>
<?cs call:csrf() ?>
<p><label for="file">Restore file</label><input id="file" name="file" type="file" required></p>
<p><label for="r-password">Password</label><input id="r-password" name="password" type="password" autocomplete="off" placeholder="password for backup"></p>
<p><label><input type="checkbox" name="understood" id="understood" required> A restore overwrites all current settings and cannot be undone. After a restore the system will be restarted.</label></p>
<p><button type="submit" class="danger" id="restore">Restore</button></p>
</form>
<?cs include:"backup_status.cs" ?>
</div>
<?cs include:"footer.cs" ?>
