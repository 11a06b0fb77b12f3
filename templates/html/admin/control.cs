<?cs include:"header.cs" ?>
<div class="grid">
<section class="card" aria-labelledby="gw-h">
<h2 id="gw-h">Gateway</h2>
<p>Restart the services of the box by pressing the restart button.</p>
<form method="post" action="<?cs var:Page.base ?>/control/restart"><input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>"><button type="submit" class="danger" id="restart">Restart</button></form>
<p>Reboot the box by pressing the reboot button. Rebooting takes about two minutes.</p>
<form method="post" action="<?cs var:Page.base ?>/control/reboot"><input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>"><button type="submit" class="danger" id="reboot">Reboot</button></form>
<p>Shut the box down by pressing the shutdown button.</p>
<form method="post" action="<?cs var:Page.base ?>/control/shutdown"><input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>"><button type="submit" class="danger" id="shutdown">Shutdown</button></form>
</section>
<section class="card" aria-labelledby="mta-h">
<h2 id="mta-h">MTA</h2>
<p>Status: <strong id="mta-status" class="status-<?cs var:Control.mta ?>"><?cs var:Control.mta ?></strong></p>
<p>Stop the Mail Transfer Agent.</p>
<form method="post" action="<?cs var:Page.base ?>/control/mta-stop"><input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>"><button type="submit" class="danger" id="mta-stop">Stop MTA</button></form>
<p>Start the Mail Transfer Agent.</p>
<form method="post" action="<?cs var:Page.base ?>/control/mta-start"><input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>"><button type="submit" class="danger" id="mta-start">Start MTA</button></form>
</section>
</div>
<?cs include:"footer.cs" ?>
