<?cs # The settings form of one scope (global, domain, user): each field with
     its "inherit" box and the value it inherits.  Needs field.cs. ?>
<form class="card prefs" method="post" action="<?cs var:Form.action ?>">
<?cs call:csrf() ?>
<?cs if:Form.scope == "domain" ?><input type="hidden" name="d" value="<?cs var:Form.owner ?>"><?cs /if ?>
<?cs if:Links.page == 1 && Form.scope == "domain" ?><input type="hidden" name="page" value="quota"><?cs /if ?>
<?cs if:Form.advanced == 1 ?><input type="hidden" name="advanced" value="1"><?cs /if ?>
<?cs each:f = Form.fields ?>
<?cs if:f.group ?><h2><?cs var:f.group ?></h2><?cs /if ?>
<div class="pref" id="pref-<?cs var:f.name ?>">
<label for="v_<?cs var:f.key ?>"><?cs var:f.label ?></label>
<?cs if:f.bool == 1 ?><input type="checkbox" id="v_<?cs var:f.key ?>" name="v_<?cs var:f.key ?>" value="yes"<?cs if:f.checked == 1 ?> checked<?cs /if ?>>
<?cs elif:f.secret == 1 ?><input type="password" id="v_<?cs var:f.key ?>" name="v_<?cs var:f.key ?>" value="" autocomplete="off" placeholder="<?cs var:f.inherited ?>: leave empty to keep">
<?cs else ?><input type="text" id="v_<?cs var:f.key ?>" name="v_<?cs var:f.key ?>" value="<?cs var:f.value ?>">
<?cs /if ?>
<label class="inherit"><input type="checkbox" name="i_<?cs var:f.key ?>" value="1"<?cs if:f.inherit == 1 ?> checked<?cs /if ?>> inherit</label>
<span class="inherited">inherited: <span class="inherited-value"><?cs var:f.inherited ?></span> (from <span class="inherited-from"><?cs var:f.from ?></span>)</span>
<?cs call:field_error(f.key) ?>
</div>
<?cs /each ?>
<p><button type="submit">Save</button></p>
</form>
<?cs if:Form.hidden > 0 ?><p><a class="advanced" href="<?cs var:Form.action ?><?cs if:Form.scope == "domain" ?>&amp;<?cs else ?>?<?cs /if ?>advanced=1">show advanced settings</a></p><?cs /if ?>
