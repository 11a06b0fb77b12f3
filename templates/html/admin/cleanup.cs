<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="get" action="<?cs var:Page.base ?>/users/cleanup">
<p><label for="kind">Users who</label>
<select id="kind" name="kind">
<option value="never"<?cs if:Cleanup.kind == "never" ?> selected<?cs /if ?>>never logged in (account at least this old)</option>
<option value="idle"<?cs if:Cleanup.kind == "idle" ?> selected<?cs /if ?>>did not log in for</option>
</select></p>
<p><label for="days">Days</label>
<input type="number" id="days" name="days" min="0" value="<?cs var:Cleanup.days ?>">
<?cs call:field_error("days") ?></p>
<p><button type="submit">Show</button></p>
</form>
<div class="table-wrap"><table class="idle">
<thead><tr><th scope="col">Email</th><th scope="col">Password</th><th scope="col">Last login</th></tr></thead>
<tbody>
<?cs each:u = Idle ?><tr><td><a href="<?cs var:Page.base ?>/users/<?cs var:u.id ?>"><?cs var:u.address ?></a></td><td><?cs if:u.password == 1 ?>set<?cs else ?>not set<?cs /if ?></td><td><?cs var:u.last_login ?></td></tr>
<?cs /each ?></tbody>
</table></div>
<?cs if:subcount(Idle) == 0 ?><p>No user matches.</p><?cs /if ?>
<?cs if:Cleanup.more == 1 ?><p>More users match than are shown; all of them are deleted.</p><?cs /if ?>
<?cs if:subcount(Idle) > 0 ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/users/cleanup">
<?cs call:csrf() ?>
<input type="hidden" name="kind" value="<?cs var:Cleanup.kind ?>">
<input type="hidden" name="days" value="<?cs var:Cleanup.days ?>">
<p><label class="inherit"><input type="checkbox" name="purge" value="1"> delete their mailboxes too</label></p>
<p><button type="submit" class="danger">delete these users</button></p>
</form>
<?cs /if ?>
<?cs include:"footer.cs" ?>
