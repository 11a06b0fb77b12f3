<?cs include:"header.cs" ?>
<section class="card">
<p>Two-factor authentication is now on. Keep these recovery codes somewhere safe: each one
logs you in once if you lose your phone. They are shown only now.</p>
<ul class="codes" id="recovery-codes">
<?cs each:c = Totp.codes ?><li><code><?cs var:c ?></code></li>
<?cs /each ?></ul>
<p><a class="button" href="<?cs var:Page.base ?>/settings">Done</a></p>
</section>
<?cs include:"footer.cs" ?>
