<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<section class="card">
<h2>Password</h2>
<p><a href="<?cs var:Page.base ?>/password">Change your password</a></p>
</section>
<section class="card">
<h2>Two-factor login</h2>
<p id="totp-state">Two-factor login is <?cs if:Account.totp ?>on<?cs else ?>off<?cs /if ?>.</p>
<?cs if:Account.secret ?>
<p>Scan this code with an authenticator app, or enter the key by hand, then enter the code the app shows.</p>
<p><img class="qr" src="<?cs var:Account.qr ?>" alt="QR code of the two-factor key" width="224" height="224"></p>
<p>Key: <code id="totp-secret"><?cs var:Account.secret ?></code></p>
<form method="post" action="<?cs var:Page.base ?>/account/totp/confirm">
<?cs call:csrf() ?>
<p><label for="code">Code</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required><?cs call:field_error("code") ?></p>
<p><button type="submit">Turn on</button></p>
</form>
<?cs else ?>
<form method="post" action="<?cs var:Page.base ?>/account/totp/begin">
<?cs call:csrf() ?>
<p><button type="submit"><?cs if:Account.totp ?>Set up a new device<?cs else ?>Set up two-factor login<?cs /if ?></button></p>
</form>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
