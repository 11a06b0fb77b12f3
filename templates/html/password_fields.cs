<p><label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="rules"></p>
<p><label for="password2">New password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required></p>
<div id="rules" class="rules">
<p>A new password must:</p>
<ul>
<li>not be based on your email address,</li>
<li>not contain a keyboard sequence (like "qwerty" or "123456") of more than 5 characters,</li>
<li>not repeat one character more than 5 times in a row,</li>
<li>be strong enough: at least <?cs var:Page.min_bits ?> bits (use a long password or a few unrelated words).</li>
</ul>
</div>
