<?cs include:"header.cs" ?>
<?cs if:Form.t ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/reset">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<input type="hidden" name="t" value="<?cs var:Form.t ?>">
<p>Choose a new password for <strong><?cs var:Form.address ?></strong>.</p>
<?cs include:"password_fields.cs" ?>
<p><button type="submit">Set new password</button></p>
</form>
<?cs else ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/reset">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p>Enter your email address. If it has a mailbox here, we send you a link to choose a new password.</p>
<p><label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="username" required></p>
<p><button type="submit">Send link</button></p>
</form>
<?cs /if ?>
<?cs include:"footer.cs" ?>
