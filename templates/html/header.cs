<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title><?cs var:Page.title ?> - Webmail</title>
<link rel="stylesheet" href="/static/portal.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand"><a href="<?cs var:Page.base ?>/inbox">Secure Webmail</a></p>
<?cs if:Page.user ?>
<nav aria-label="Main">
<ul>
<li><a href="<?cs var:Page.base ?>/inbox"<?cs if:Page.section == "inbox" ?> aria-current="page"<?cs /if ?>>Inbox</a></li>
<li><a href="<?cs var:Page.base ?>/sent"<?cs if:Page.section == "sent" ?> aria-current="page"<?cs /if ?>>Sent</a></li>
<?cs if:Page.compose ?><li><a href="<?cs var:Page.base ?>/compose"<?cs if:Page.section == "compose" ?> aria-current="page"<?cs /if ?>>New message</a></li><?cs /if ?>
<li><a href="<?cs var:Page.base ?>/settings"<?cs if:Page.section == "settings" ?> aria-current="page"<?cs /if ?>>Settings</a></li>
</ul>
</nav>
<form class="logout" method="post" action="<?cs var:Page.base ?>/logout">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<span class="who"><?cs var:Page.user ?></span>
<button type="submit">Log out</button>
</form>
<?cs /if ?>
</header>
<main id="main">
<h1><?cs var:Page.title ?></h1>
<?cs if:Page.error ?><p class="error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
<?cs if:Page.notice ?><p class="notice" role="status"><?cs var:Page.notice ?></p><?cs /if ?>
