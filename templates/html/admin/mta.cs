<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<section class="card" id="relay-domains">
<h2>Relay domains</h2>
<p class="help">destination domains this system will relay mail to (and subdomains if Match Subdomains is selected)</p>
<ul class="mta-list">
<?cs each:d = Mta.relay ?><li><span class="item"><?cs var:d.value ?></span>
<form method="post" action="<?cs var:Page.base ?>/mta/relay-domains/remove"><?cs call:csrf() ?><input type="hidden" name="domain" value="<?cs var:d.value ?>"><button type="submit" class="remove">Remove</button></form></li>
<?cs /each ?></ul>
<form method="post" action="<?cs var:Page.base ?>/mta/relay-domains/add"><?cs call:csrf() ?>
<p><label for="add_domain">Add domain</label><input id="add_domain" name="add_domain" type="text" placeholder="add a new relay domain"><?cs call:field_error("add_domain") ?>
<button type="submit" id="add-domain">Add</button></p></form>
</section>
<section class="card" id="my-networks">
<h2>My networks</h2>
<p class="help">the list of "trusted" SMTP clients that have more privileges than "strangers". In particular, "trusted" SMTP clients are allowed to relay mail through the MTA</p>
<ul class="mta-list">
<?cs each:n = Mta.nets ?><li><span class="item"><?cs var:n.value ?></span>
<form method="post" action="<?cs var:Page.base ?>/mta/my-networks/remove"><?cs call:csrf() ?><input type="hidden" name="network" value="<?cs var:n.value ?>"><button type="submit" class="remove">Remove</button></form></li>
<?cs /each ?></ul>
<form method="post" action="<?cs var:Page.base ?>/mta/my-networks/add"><?cs call:csrf() ?>
<p><label for="add_network">Add network</label><input id="add_network" name="add_network" type="text" placeholder="add a new network (CIDR, e.g. 192.168.1.0/24)"><?cs call:field_error("add_network") ?>
<button type="submit" id="add-network">Add</button></p>
<p class="warning">Only allow IP ranges under your control to relay email to external recipients; otherwise the box is an open relay.</p></form>
</section>
<form class="card" method="post" action="<?cs var:Page.base ?>/mta<?cs if:Mta.advanced ?>?advanced=1<?cs /if ?>" id="mta-form">
<?cs call:csrf() ?>
<h2>Other</h2>
<?cs each:f = Mta.fields ?><?cs if:f.advanced == "0" || Mta.advanced ?>
<p class="field" id="field-<?cs var:f.key ?>"><input type="hidden" name="on_<?cs var:f.key ?>" value="1">
<?cs if:f.bool == "1" ?><label><input type="checkbox" id="<?cs var:f.key ?>" name="<?cs var:f.key ?>" value="yes"<?cs if:f.checked == "1" ?> checked<?cs /if ?>> <?cs var:f.label ?></label>
<?cs else ?><label for="<?cs var:f.key ?>"><?cs var:f.label ?></label><input type="text" id="<?cs var:f.key ?>" name="<?cs var:f.key ?>" value="<?cs var:f.value ?>"><?cs /if ?>
<small class="help"><?cs var:f.help ?></small><?cs call:field_error(f.key) ?></p>
<?cs /if ?><?cs /each ?>
<p><?cs if:Mta.advanced ?><a href="<?cs var:Page.base ?>/mta">hide advanced settings</a><?cs else ?><a href="<?cs var:Page.base ?>/mta?advanced=1" id="show-advanced">show advanced settings</a><?cs /if ?></p>
<p><button type="submit" id="apply">Apply</button> <a href="<?cs var:Page.base ?>/status">Close</a></p>
</form>
<?cs include:"footer.cs" ?>
