<?cs include:"header.cs" ?>
<?cs if:Page.admin ?><p><a href="<?cs var:Page.base ?>/">Back to the console</a></p><?cs else ?><p><a href="<?cs var:Page.base ?>/login">Log in</a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
