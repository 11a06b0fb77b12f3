<?cs include:"header.cs" ?>
<p><a href="<?cs var:Page.base ?>/queue">Back to the queue</a></p>
<h2 class="mono"><?cs var:Queue.id ?></h2>
<pre class="card mono" id="headers"><?cs var:Queue.headers ?></pre>
<?cs include:"footer.cs" ?>
