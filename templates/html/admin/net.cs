<?cs include:"header.cs" ?>
<section class="card">
<table id="interfaces">
<thead><tr><th>Name</th><th>Address</th><th>MAC</th><th>Broadcast</th><th>Mask</th><th>Gateway</th><th>DHCP</th></tr></thead>
<tbody>
<?cs each:i = Net.ifs ?><tr class="iface" id="if-<?cs var:i.name ?>"><td><?cs var:i.name ?></td><td><?cs var:i.address ?></td><td><?cs var:i.mac ?></td><td><?cs var:i.broadcast ?></td><td><?cs var:i.mask ?></td><td><?cs var:i.gateway ?></td><td><?cs var:i.dhcp ?></td></tr>
<?cs /each ?></tbody>
</table>
<h2>Default gateway</h2>
<p id="default-gateway"><?cs var:Net.gateway ?></p>
<p><a href="<?cs var:Page.base ?>/status">Close</a></p>
</section>
<?cs include:"footer.cs" ?>
