<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<p>Template <strong id="template-name"><?cs var:Template.name ?></strong><?cs if:Scope.owner ?> for <?cs var:Scope.owner ?><?cs /if ?><?cs if:Template.from ?>, now from <span id="template-from"><?cs var:Template.from ?></span><?cs /if ?>.
<a href="<?cs var:Page.base ?>/templates<?cs if:Scope.query ?>?<?cs var:Scope.query ?><?cs /if ?>">all templates</a></p>
<form class="card template" method="post" action="<?cs var:Page.base ?>/templates/edit">
<?cs call:csrf() ?>
<input type="hidden" name="name" value="<?cs var:Template.name ?>">
<?cs if:Scope.name == "domain" ?><input type="hidden" name="d" value="<?cs var:Scope.owner ?>"><?cs /if ?>
<?cs if:Scope.name == "user" ?><input type="hidden" name="u" value="<?cs var:Query.u ?>"><?cs /if ?>
<p><label for="source">Source</label>
<textarea id="source" name="source" rows="18" spellcheck="false"><?cs var:Template.source ?></textarea>
<?cs call:field_error("source") ?></p>
<p class="actions"><button type="submit" name="op" value="preview">preview</button>
<button type="submit" name="op" value="save">save</button>
<button type="submit" name="op" value="reset" class="danger">reset to inherited</button></p>
</form>
<?cs if:Template.preview ?><h2>Preview</h2>
<pre class="preview" id="preview"><?cs var:Template.preview ?></pre><?cs /if ?>
<?cs include:"footer.cs" ?>
