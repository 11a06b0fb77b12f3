<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<div class="grid">
<form class="card" method="post" action="<?cs var:Page.base ?>/logexport/create" aria-labelledby="exp-h">
<h2 id="exp-h">Log export</h2>
<?cs call:csrf() ?>
<p><label for="l-password">Password</label><input id="l-password" name="password" type="password" autocomplete="new-password" placeholder="PGP password (empty: not encrypted)"></p>
<p><label for="last-modified">Last modified</label><input id="last-modified" name="last-modified" type="number" min="0" placeholder="only files modified in the last n minutes"></p>
<fieldset><legend>Export location</legend>
<label><input type="radio" name="location" value="local" id="loc-local" checked> Local</label>
<label><input type="radio" name="location" value="remote" id="loc-remote"> Remote</label>
</fieldset>
<p><button type="submit" id="export">Export</button></p>
</form>
<?cs include:"backup_status.cs" ?>
</div>
<?cs include:"footer.cs" ?>
