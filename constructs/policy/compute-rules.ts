import type { PolicyRule, PolicyViolation } from './rule.js';
import { hostConfigurations, resourcesOf } from './terraform-json.js';

export const COMPUTE_RULES: readonly PolicyRule[] = [
  {
    id: 'SMC-VM-SSH-KEYS',
    title: 'Logins with SSH keys only, never passwords',
    covers: ['CKV_AZURE_149', 'CKV_AZURE_1', 'AVD-AZU-0039'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const vm of resourcesOf(doc, 'azurerm_linux_virtual_machine')) {
        if (vm.config.disable_password_authentication !== true) {
          violations.push({
            ruleId: this.id,
            path: vm.path,
            message: 'disable_password_authentication is not true',
          });
        }
        if (vm.config.admin_password !== undefined) {
          violations.push({ ruleId: this.id, path: vm.path, message: 'admin_password is set' });
        }
        if (!Array.isArray(vm.config.admin_ssh_key) || vm.config.admin_ssh_key.length === 0) {
          violations.push({ ruleId: this.id, path: vm.path, message: 'no admin_ssh_key' });
        }
      }
      for (const host of resourcesOf(doc, 'null_resource')) {
        const connection = host.config.connection as
          | { password?: unknown; private_key?: unknown }
          | undefined;
        if (!connection?.private_key || connection.password !== undefined) {
          violations.push({
            ruleId: this.id,
            path: host.path,
            message: 'SSH connection does not use a private key alone',
          });
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-VM-NO-EXTENSIONS',
    title: 'No VM extensions (configuration comes from cloud-init only)',
    covers: ['CKV_AZURE_50'],
    platforms: ['azure'],
    check(doc) {
      return resourcesOf(doc, 'azurerm_linux_virtual_machine')
        .filter((vm) => vm.config.allow_extension_operations !== false)
        .map((vm) => ({
          ruleId: this.id,
          path: vm.path,
          message: 'allow_extension_operations is not false',
        }));
    },
  },
  {
    id: 'SMC-VM-NO-SECRETS-IN-USER-DATA',
    title: 'No secret in custom data or bootstrap scripts',
    covers: ['CKV_AZURE_45', 'ours: secrets reach hosts through Key Vault or SSH file uploads'],
    platforms: ['azure', 'vms'],
    check(doc) {
      return hostConfigurations(doc).flatMap((host) =>
        /PRIVATE KEY-----|DATABASE_URL=postgres:\/\/[^$\s]+:[^$\s@]+@|random_password|private_key_pem/.test(
          host.text,
        )
          ? [
              {
                ruleId: this.id,
                path: host.path,
                message: 'host configuration carries secret material',
              },
            ]
          : [],
      );
    },
  },
  {
    id: 'SMC-PROXY-NO-OPEN-RELAY',
    title: 'HTTP proxies only tunnel to the server and refuse everything else',
    covers: ['ours: the guide requires CONNECT to the server; an open relay is an abuse vector'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const host of hostConfigurations(doc)) {
        if (host.text.includes('<VirtualHost *:3128>')) {
          if (
            !/<Proxy "\*">\s*\n\s*Require all denied/.test(host.text) ||
            !/AllowCONNECT 2222\n/.test(host.text)
          ) {
            violations.push({
              ruleId: this.id,
              path: host.path,
              message:
                'Apache proxy does not deny all targets by default or allows CONNECT beyond 2222',
            });
          }
        }
        if (host.text.includes('http_port 3128')) {
          const lines = host.text
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l.startsWith('http_access'));
          if (
            lines.at(-1) !== 'http_access deny all' ||
            lines.some((l) => /allow (all|CONNECT)$/.test(l))
          ) {
            violations.push({
              ruleId: this.id,
              path: host.path,
              message: 'Squid does not end in "http_access deny all" or allows CONNECT broadly',
            });
          }
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-LB-PASSTHROUGH',
    title: 'The load balancer passes TCP through so mutual TLS ends at the servers',
    covers: ['ours: agents authenticate with client certificates'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = resourcesOf(doc, 'azurerm_lb_rule')
        .filter(
          (rule) =>
            rule.config.protocol !== 'Tcp' ||
            rule.config.frontend_port !== rule.config.backend_port,
        )
        .map((rule) => ({
          ruleId: this.id,
          path: rule.path,
          message: 'rule is not TCP pass-through on the same port',
        }));
      for (const host of hostConfigurations(doc)) {
        if (
          host.text.includes('/etc/haproxy/haproxy.cfg') &&
          !/defaults\n {2}mode tcp/.test(host.text)
        ) {
          violations.push({
            ruleId: this.id,
            path: host.path,
            message: 'HAProxy is not in TCP mode',
          });
        }
      }
      return violations;
    },
  },
];
