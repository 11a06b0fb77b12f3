<?cs include:"header.cs" ?>
<?cs include:"footer.cs" ?>
