<?cs include:"header.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/login">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="username" required value="<?cs var:Form.name ?>"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Login</button></p>
</form>
<?cs include:"footer.cs" ?>
