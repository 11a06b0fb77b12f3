<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<p>Give the newest certificate (PEM) to the gateway as its webmail recipient certificate.</p>
<form method="post" action="<?cs var:Page.base ?>/certs/action">
<?cs call:csrf() ?>
<?cs include:"certs_table.cs" ?>
</form>
<form class="card" method="post" action="<?cs var:Page.base ?>/webmail-cert">
<?cs call:csrf() ?>
<h2>Create webmail certificate</h2>
<p><label for="email">Email address</label>
<input type="email" id="email" name="email" value="webmail@webmail.local">
<?cs call:field_error("email") ?></p>
<p><label for="subject">Subject</label>
<input type="text" id="subject" name="subject" value="Webmail relay recipient certificate"></p>
<p><button type="submit">create</button></p>
</form>
<?cs include:"footer.cs" ?>
