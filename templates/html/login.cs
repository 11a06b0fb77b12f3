<?cs include:"header.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/login">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="username" required value="<?cs var:Form.address ?>"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Log in</button></p>
</form>
<?cs if:Page.reset_enabled ?><p><a href="<?cs var:Page.base ?>/reset">Forgot your password?</a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
