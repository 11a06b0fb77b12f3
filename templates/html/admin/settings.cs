<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<nav class="links" aria-label="Related pages"><p>
<?cs if:Links.scope == "global" ?><a href="<?cs var:Page.base ?>/settings">general</a> | <a href="<?cs var:Page.base ?>/templates">templates</a> | <a href="<?cs var:Page.base ?>/settings/quota">quota</a> | <a href="<?cs var:Page.base ?>/settings/webmail">webmail</a> | <a href="<?cs var:Page.base ?>/webmail-cert">webmail certificate</a>
<?cs else ?><?cs if:Links.user ?><a href="<?cs var:Links.user ?>">user</a> | <?cs /if ?><a href="<?cs var:Links.general ?>">settings</a> | <a href="<?cs var:Links.templates ?>">templates</a> | <a href="<?cs var:Links.quota ?>">quota</a><?cs /if ?>
</p></nav>
<?cs include:"prefs_form.cs" ?>
<?cs include:"footer.cs" ?>
