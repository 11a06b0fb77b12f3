<?cs include:"header.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/totp">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p>Your account is protected with two-factor authentication. Enter the six-digit code your
authenticator app shows now, or one of your recovery codes.</p>
<p><label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus></p>
<p><button type="submit">Continue</button></p>
</form>
<form method="post" action="<?cs var:Page.base ?>/logout">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><button class="link" type="submit">Cancel and log out</button></p>
</form>
<?cs include:"footer.cs" ?>
