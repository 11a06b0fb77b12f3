<?cs def:field_error(name) ?><?cs if:Form.errors[name] ?><span class="field-error" id="<?cs var:name ?>-error"><?cs var:Form.errors[name] ?></span><?cs /if ?><?cs /def ?>
<?cs def:csrf() ?><input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>"><?cs /def ?>
