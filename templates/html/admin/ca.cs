<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<?cs include:"certs_search.cs" ?>
<form method="post" action="<?cs var:Page.base ?>/roots/action">
<?cs call:csrf() ?>
<?cs include:"certs_table.cs" ?>
</form>
<?cs include:"certs_paging.cs" ?>
<div class="grid">
<form class="card" method="post" action="<?cs var:Page.base ?>/ca/create">
<?cs call:csrf() ?>
<h2>Create a CA</h2>
<p><label for="ca-subject">Name (common name)</label>
<input type="text" id="ca-subject" name="subject" required value="Webmail Local CA">
<?cs call:field_error("subject") ?></p>
<p><label for="years">Valid for (years)</label>
<input type="number" id="years" name="years" min="1" max="30" value="10">
<?cs call:field_error("years") ?></p>
<p><button type="submit">create CA</button></p>
</form>
<form class="card" method="post" action="<?cs var:Page.base ?>/ca/issue">
<?cs call:csrf() ?>
<h2>Issue a certificate</h2>
<p><label for="issue-subject">Name (common name)</label>
<input type="text" id="issue-subject" name="subject" required></p>
<p><label for="issue-email">Email address</label>
<input type="email" id="issue-email" name="email" required></p>
<p><label for="days">Valid for (days)</label>
<input type="number" id="days" name="days" min="1" max="3660" value="730">
<?cs call:field_error("days") ?></p>
<?cs call:field_error("issue") ?>
<p><button type="submit">issue certificate</button></p>
</form>
</div>
<?cs include:"footer.cs" ?>
