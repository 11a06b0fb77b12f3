<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/network/interfaces" id="iface-form">
<?cs call:csrf() ?>
<p><label for="iface">Interface</label><input id="iface" name="iface" type="text" value="<?cs var:Query.iface ?>" placeholder="eth0"><small class="help">the name of the interface, as the network info page shows it</small><?cs call:field_error("iface") ?></p>
<p><label><input type="radio" name="mode" value="dhcp" id="mode-dhcp"<?cs if:Query.mode == "dhcp" ?> checked<?cs /if ?>> DHCP</label>
<label><input type="radio" name="mode" value="static" id="mode-static"<?cs if:Query.mode != "dhcp" ?> checked<?cs /if ?>> Static</label></p>
<p><label for="address">Address</label><input id="address" name="address" type="text" value="<?cs var:Query.address ?>" placeholder="192.168.1.109/24"><small class="help">address/prefix or address/netmask (static only)</small><?cs call:field_error("address") ?></p>
<p><label for="gateway">Gateway</label><input id="gateway" name="gateway" type="text" value="<?cs var:Query.gateway ?>"><small class="help">optional: the default gateway on this interface</small><?cs call:field_error("gateway") ?></p>
<p><label for="broadcast">Broadcast</label><input id="broadcast" name="broadcast" type="text" value="<?cs var:Query.broadcast ?>"><small class="help">optional (IPv4 only)</small><?cs call:field_error("broadcast") ?></p>
<p><label><input type="checkbox" name="force" id="force" value="1"> Change the address the console is reached on</label><small class="help">without it a change that drops the address of this connection is refused</small><?cs call:field_error("force") ?></p>
<p><button type="submit" id="apply-iface">Apply</button> <a href="<?cs var:Page.base ?>/network">Close</a></p>
</form>
<?cs include:"footer.cs" ?>
