<?cs include:"header.cs" ?>
<?cs if:Page.text ?><p><?cs var:Page.text ?></p><?cs /if ?>
<?cs if:Page.link ?><p><a class="button" href="<?cs var:Page.link ?>"><?cs var:Page.linktext ?></a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
