<?cs include:"header.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/totp">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="6" required></p>
<p><button type="submit">Continue</button></p>
</form>
<?cs include:"footer.cs" ?>
