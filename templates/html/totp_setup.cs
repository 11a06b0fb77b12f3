<?cs include:"header.cs" ?>
<section class="card">
<ol>
<li>Scan this code with your authenticator app:
<p><img class="qr" src="<?cs var:Totp.qr ?>" alt="QR code for your authenticator app"></p>
<p>Or enter this key by hand: <code class="secret" id="totp-secret"><?cs var:Totp.secret ?></code></p></li>
<li>Enter the six-digit code the app shows:
<form method="post" action="<?cs var:Page.base ?>/settings/totp/confirm">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required></p>
<p><button type="submit">Turn on</button></p>
</form></li>
</ol>
</section>
<?cs include:"footer.cs" ?>
