<?cs include:"header.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/signup">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<input type="hidden" name="t" value="<?cs var:Form.t ?>">
<p>Choose a password for <strong><?cs var:Form.address ?></strong>. You will use it with your
email address to read your secure mail.</p>
<?cs include:"password_fields.cs" ?>
<p><button type="submit">Set password</button></p>
</form>
<?cs include:"footer.cs" ?>
