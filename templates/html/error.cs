<?cs include:"header.cs" ?>
<?cs if:Page.link ?><p><a href="<?cs var:Page.link ?>"><?cs var:Page.linktext ?></a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
