<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/network/hosts" id="hosts-form">
<?cs call:csrf() ?>
<p><label for="hosts">Hosts</label><textarea id="hosts" name="hosts" rows="16" spellcheck="false"><?cs var:Net.hosts ?></textarea><small class="help">an IP address and one or more names a line, up to 255 characters; the comments of the table stay</small><?cs call:field_error("hosts") ?></p>
<p><button type="submit" id="save-hosts">Apply</button> <a href="<?cs var:Page.base ?>/network">Close</a></p>
</form>
<?cs include:"footer.cs" ?>
