<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/mta/raw">
<?cs call:csrf() ?>
<p><label for="maincf">main.cf</label><textarea id="maincf" name="maincf" rows="30" spellcheck="false"><?cs var:Raw.text ?></textarea><?cs call:field_error("maincf") ?></p>
<p class="help">Set by the box (shown, but refused when changed or removed):
<?cs each:o = Raw.owned ?><code class="owned"><?cs var:o.name ?></code> <?cs /each ?></p>
<p><button type="submit" id="save-raw">Apply</button> <a href="<?cs var:Page.base ?>/mta">MTA config</a></p>
</form>
<?cs include:"footer.cs" ?>
