<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="get" action="<?cs var:Page.base ?>/settings/domain">
<p><label for="d">Domain</label>
<input type="text" id="d" name="d" value="<?cs var:Query.d ?>" required>
<?cs call:field_error("d") ?></p>
<p><button type="submit">Edit domain preferences</button></p>
</form>
<?cs if:subcount(Domains) > 0 ?><h2>Domains with settings of their own</h2>
<ul class="domains"><?cs each:d = Domains ?><li><a href="<?cs var:Page.base ?>/settings/domain?d=<?cs var:url_escape(d.name) ?>"><?cs var:d.name ?></a></li>
<?cs /each ?></ul><?cs /if ?>
<?cs include:"footer.cs" ?>
