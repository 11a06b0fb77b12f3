<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/network/settings">
<?cs call:csrf() ?>
<p><label for="hostname">Hostname</label><input id="hostname" name="hostname" type="text" value="<?cs var:Query.hostname ?>"><small class="help">The hostname of the system. It is advised to use a fully qualified domain name.</small><?cs call:field_error("hostname") ?></p>
<p><label for="dns">DNS 1, 2, 3</label><input id="dns" name="dns" type="text" value="<?cs var:Query.dns ?>"><small class="help">space separated; the box requires at least one DNS server</small><?cs call:field_error("dns") ?></p>
<p><label for="search">Domain search</label><input id="search" name="search" type="text" value="<?cs var:Query.search ?>"><small class="help">domain suffix search (space separated)</small><?cs call:field_error("search") ?></p>
<p><label for="ntp">NTP 1, 2, 3</label><input id="ntp" name="ntp" type="text" value="<?cs var:Query.ntp ?>"><small class="help">empty: the Debian pool (debian.pool.ntp.org)</small><?cs call:field_error("ntp") ?></p>
<p><button type="submit" id="apply-net">Apply</button> <a href="<?cs var:Page.base ?>/network">Close</a></p>
</form>
<?cs include:"footer.cs" ?>
