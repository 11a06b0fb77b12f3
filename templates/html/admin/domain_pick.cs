<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="get" action="<?cs var:Page.base ?>/settings/domain">
<p><label for="d">Domain</label>
<input type="text" id="d" name="d" value="<?cs var:Query.d ?>" required>
<?cs call:field_error("d") ?></p>
<p><button type="submit">Edit domain preferences</button></p>
</form>
<?cs include:"footer.cs" ?>
