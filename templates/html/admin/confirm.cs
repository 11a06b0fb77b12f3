<?cs include:"header.cs" ?>
<form class="card confirm" method="post" action="<?cs var:Confirm.action ?>">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<input type="hidden" name="confirm" value="yes">
<?cs each:f = Confirm.fields ?><input type="hidden" name="<?cs var:f.name ?>" value="<?cs var:f.value ?>">
<?cs /each ?>
<p class="question"><?cs var:Confirm.question ?></p>
<p><button type="submit" class="danger"><?cs var:Confirm.button ?></button>
<a class="button secondary" href="<?cs var:Page.base ?>/">Cancel</a></p>
</form>
<?cs include:"footer.cs" ?>
